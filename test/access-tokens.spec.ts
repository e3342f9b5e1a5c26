import jwt from 'jsonwebtoken';
import { AccessTokens } from '../src/modules/auth/jwt';

const SESSION = '7e0e5c1c-3c1f-4d44-9a53-0c51f8a3c1d2';
const SETTINGS = {
  secret: 'a-secret-long-enough-for-hs256-tests-0123456789',
  expiresInSeconds: 600,
  issuer: 'leadsy-gateway',
  audience: 'leadsy-api',
};

describe('AccessTokens.verify, a token verified before', () => {
  let tokens: AccessTokens;
  let signatureChecks: jest.SpiedFunction<typeof jwt.verify>;
  beforeEach(() => {
    tokens = new AccessTokens(SETTINGS);
    signatureChecks = jest.spyOn(jwt, 'verify');
  });
  afterEach(() => jest.restoreAllMocks());

  it('gives the same claims without checking its signature again', () => {
    const { token } = tokens.sign(7, SESSION);
    const first = tokens.verify(token);
    expect(first).toMatchObject({ userId: 7 });
    expect(tokens.verify(token)).toBe(first);
    expect(tokens.verify(token)).toBe(first);
    expect(signatureChecks).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('is refused as expired from the second its exp names', () => {
    const { token, expiresAt } = tokens.sign(7, SESSION);
    tokens.verify(token);
    jest.spyOn(Date, 'now').mockReturnValue(expiresAt.getTime() - 1);
    expect(tokens.verify(token).userId).toBe(7);
    jest.spyOn(Date, 'now').mockReturnValue(expiresAt.getTime());
    expect(() => tokens.verify(token)).toThrow('token expired');
    expect(() => tokens.verify(token)).toThrow('token expired');
  });

  it('vouches for nothing else: the same token with another signature or payload is checked, and refused', () => {
    const { token } = tokens.sign(7, SESSION);
    tokens.verify(token);
    const [header, payload, signature] = token.split('.');
    const otherSignature = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '1' }),
    ).toString('base64url');
    expect(() => tokens.verify([header, payload, otherSignature].join('.'))).toThrow('invalid token');
    expect(() => tokens.verify([header, otherPayload, signature].join('.'))).toThrow('invalid token');
    expect(signatureChecks).toHaveBeenCalledTimes(3);
  });

  it('is forgotten, oldest first, once 10,000 others were verified after it', () => {
    const oldest = tokens.sign(1, SESSION).token;
    tokens.verify(oldest);
    for (let userId = 2; userId <= 10_001; userId += 1) tokens.verify(tokens.sign(userId, SESSION).token);
    signatureChecks.mockClear();
    expect(tokens.verify(oldest).userId).toBe(1);
    expect(signatureChecks).toHaveBeenCalledTimes(1);
  });
});
