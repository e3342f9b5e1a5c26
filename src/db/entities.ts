import { Access } from '../modules/access/access.entity';
import { ApiKey } from '../modules/api-key/api-key.entity';
import { AuditEvent } from '../modules/audit/audit-event.entity';
import { RefreshToken } from '../modules/session/refresh-token.entity';
import { Session } from '../modules/session/session.entity';
import { UserAccess } from '../modules/access/user-access.entity';
import { PasswordResetToken } from '../modules/password-reset/password-reset-token.entity';
import { Company } from '../modules/company/company.entity';
import { ImportFile } from '../modules/import/import-file.entity';
import { ImportRowError } from '../modules/import/import-row-error.entity';
import { Invitation } from '../modules/invitation/invitation.entity';
import { LegalTermAcceptance } from '../modules/legal-term/legal-term-acceptance.entity';
import { LegalTerm } from '../modules/legal-term/legal-term.entity';
import { Membership } from '../modules/membership/membership.entity';
import { Stage } from '../modules/stage/stage.entity';
import { User } from '../modules/user/user.entity';
import { TimestampedEntity } from './timestamped.entity';

/** Every entity, listed explicitly so that discovery needs no file globbing (works from src and dist). */
export const ENTITIES = [
  TimestampedEntity,
  User,
  Company,
  Access,
  UserAccess,
  Membership,
  Stage,
  LegalTerm,
  LegalTermAcceptance,
  Invitation,
  PasswordResetToken,
  ImportFile,
  ImportRowError,
  Session,
  RefreshToken,
  ApiKey,
  AuditEvent,
];
