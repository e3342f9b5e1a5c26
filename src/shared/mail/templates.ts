import type { Mail } from './mailer';

/**
 * Every mail the gateway sends, in one place. Each carries a link to a page of the web app with a
 * one-time token, which the page hands back to a mutation.
 */

export interface Recipient {
  email: string;
  firstName: string;
}

/** Reset and new-account mails share the page: it calls `resetPassword(token, password)` for both. */
export const PASSWORD_PAGE = '/reset-password';

export function tokenLink(publicUrl: string, page: string, token: string): string {
  return `${publicUrl}${page}?token=${encodeURIComponent(token)}`;
}

export function passwordResetMail(to: Recipient, link: string, validForHours: number): Mail {
  return compose(to, 'Reset your Leadsy password', [
    'Someone asked to reset the password of your Leadsy account. Choose a new password here:',
    { link },
    `The link works once and expires in ${plural(validForHours, 'hour')}. If you did not ask for it, ignore this mail: your password stays as it is.`,
  ]);
}

export function setPasswordMail(to: Recipient, link: string, validForDays: number): Mail {
  return compose(to, 'Your Leadsy account is ready: choose your password', [
    'An account was created for you on Leadsy. Choose your password to activate it:',
    { link },
    `The link works once and expires in ${plural(validForDays, 'day')}. After that, ask for a new one with "Forgot password" on the sign-in page.`,
  ]);
}

export const INVITATION_PAGE = '/accept-invitation';

export interface InvitationDetails {
  companyName: string;
  accessName: string;
  inviterName: string;
}

/** The page behind the link calls `acceptInvitation(input: { token, firstName, lastName, password })`. */
export function invitationMail(to: Recipient, invitation: InvitationDetails, link: string, validForDays: number): Mail {
  const { companyName, accessName, inviterName } = invitation;
  return compose(to, `You are invited to join ${companyName} on Leadsy`, [
    `${inviterName} invited you to join ${companyName} on Leadsy as ${accessName}. Accept the invitation here:`,
    { link },
    `If you already have a Leadsy account with this email, sign in on that page with its password and ${companyName} is added to it; otherwise you choose your name and password there.`,
    `The link works once and expires in ${plural(validForDays, 'day')}. If you did not expect this invitation, ignore this mail.`,
  ]);
}

/** Sent to the old and the new address: the old one learns of a change it may not have wanted. */
export function emailChangedMail(to: Recipient, previousEmail: string, newEmail: string): Mail {
  return compose(to, 'The email of your Leadsy account was changed', [
    `The email address of your Leadsy account was changed from ${previousEmail} to ${newEmail}. From now on, sign in and receive password reset links with ${newEmail}.`,
    'If you did not expect this change, contact an administrator of your company at once.',
  ]);
}

/** To the admins of an endpoint's company: deliveries stopped, and how to start them again. */
export function webhookDisabledMail(to: Recipient, endpoint: { url: string; companyName: string; failures: number }): Mail {
  return compose(to, `A webhook endpoint of ${endpoint.companyName} was disabled`, [
    `Leadsy stopped delivering events to ${endpoint.url} after ${plural(endpoint.failures, 'failed attempt')} in a row.`,
    'Once the receiver works again, enable the endpoint (enableWebhookEndpoint, or POST /api/v1/webhooks/{id}/enable) and redeliver the events it missed from its delivery log.',
  ]);
}

type Paragraph = string | { link: string };

function compose(to: Recipient, subject: string, paragraphs: Paragraph[]): Mail {
  const greeting = `Hello ${to.firstName},`;
  const closing = 'The Leadsy team';
  const text = [greeting, ...paragraphs.map((p) => (typeof p === 'string' ? p : p.link)), closing].join('\n\n');
  const html = [greeting, ...paragraphs, closing]
    .map((p) =>
      typeof p === 'string' ? `<p>${escapeHtml(p)}</p>` : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>`,
    )
    .join('\n');
  return { to: to.email, subject, text: `${text}\n`, html };
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}
