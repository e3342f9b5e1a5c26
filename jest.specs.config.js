/** `npm run test:spec -- <pattern>`: the specs whose paths match, each as a Jest file of its own. */
module.exports = { ...require('./jest.config.js'), testMatch: ['**/*.spec.ts'] };
