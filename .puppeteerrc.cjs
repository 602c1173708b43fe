// Puppeteer comes in only for Ace by DAISY (tests/books: the EPUB's accessibility check). It must
// not fetch its own Chrome at `npm ci` (no internet but registries): the tests point it at
// Debian's chromium through PUPPETEER_EXECUTABLE_PATH.
module.exports = { skipDownload: true };
