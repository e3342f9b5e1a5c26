import type { TestApp } from './test-app';

/** Signs in with an email and a password; selects the token only. */
export const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';

/** Starts a CSV import into company `$c` from a base64 file `$b`; selects its id. */
export const START_IMPORT = 'mutation($c: ID!, $b: Base64FileInput) { startImport(companyId: $c, base64: $b) { id } }';

/** Sets a user's avatar from a multipart `$file` or a `$base64` file; selects the user's id and avatar URL. */
export const UPLOAD_USER_AVATAR = `mutation UploadUserAvatar($userId: ID!, $file: Upload, $base64: Base64FileInput) {
  uploadUserAvatar(userId: $userId, file: $file, base64: $base64) { id avatarUrl }
}`;

/** The benchmark query (README, `npm run bench`), verbatim. */
export const BENCH_QUERY = `query Bench($first: Int!) {
  users(first: $first) { totalCount edges { node {
    id fullName email status avatarUrl
    primaryCompany { id name parentCompany { id name } }
    accesses { id primary access { id name } company { id name } }
  } } }
}`;

/** Who the caller is: its id and email. */
export const ME = '{ me { id email } }';

/** Sends ME with this token (none: anonymously). */
export const me = (app: TestApp, token?: string) => app.graphql(ME, {}, token);

/** Sends LOGIN to the app for this email and password, without a token. */
export const login = (app: TestApp, email: string, password: string) => app.graphql(LOGIN, { email, password });
