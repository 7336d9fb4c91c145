// The build copies the wire contracts beside the compiled code that loads them at run time.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
const from = path.join(root, 'proto');
const to = path.join(root, 'dist', 'proto');
if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
