module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // assets/h5 holds the H5 page's plain browser scripts, served as files (the
  // backend's CSP forbids inline scripts) in the ES5 style every DingTalk
  // WebView runs; the TypeScript rules do not apply.
  ignorePatterns: ['assets/**'],
});
