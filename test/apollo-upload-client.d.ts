/** apollo-upload-client 19 ships JSDoc types in its `.mjs` files, which this project's module resolution does not read. */
declare module 'apollo-upload-client/UploadHttpLink.mjs' {
  import { ApolloLink } from '@apollo/client';

  export default class UploadHttpLink extends ApolloLink {
    constructor(options?: { uri?: string; fetch?: typeof fetch; headers?: Record<string, string> });
  }
}
