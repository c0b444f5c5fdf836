#!/usr/bin/env node
// Generates the PWA icons (twin-client/public/icons) from one SVG drawn here: no network, no fonts.
// Run after changing the drawing: node scripts/make-icons.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../twin-client/public/icons');
// Three blocks of a park on a dark tile, with a cyan pipe under the ground line.
const svg = (pad) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect width="512" height="512" rx="${pad ? 0 : 96}" fill="#070d18"/>
  <g transform="translate(${pad ? 76 : 56} ${pad ? 76 : 56}) scale(${pad ? 0.703 : 0.781})">
    <rect x="40" y="170" width="110" height="200" fill="#3d8bfd"/>
    <rect x="170" y="80" width="120" height="290" fill="#5aa9ff"/>
    <rect x="310" y="210" width="110" height="160" fill="#2f6fd0"/>
    <rect x="20" y="370" width="420" height="10" fill="#9fb3cc"/>
    <rect x="40" y="420" width="380" height="18" rx="9" fill="#31d0c6"/>
  </g>
</svg>`);
for (const [name, size, pad] of [['icon-192.png', 192, false], ['icon-512.png', 512, false], ['maskable-512.png', 512, true], ['apple-touch-icon.png', 180, false]]) {
  await sharp(svg(pad)).resize(size, size).png().toFile(path.join(out, name));
}
console.log(`icons written to ${out}`);
