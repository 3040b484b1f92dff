module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // ui/ holds plain browser scripts served as they are (no build step), in
  // the ES5 style every DingTalk WebView runs; the TypeScript rules do not apply.
  ignorePatterns: ['ui/**'],
});
