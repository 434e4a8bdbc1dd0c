// Jest runs TypeScript and the ESM-only NestJS 12 packages through @swc/jest (ts-jest cannot load
// them on Node 20); types are checked separately by `npm run typecheck`.
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const esmPackages = [
  '@nestjs', '@electric-sql', 'file-type', 'strtok3', 'token-types', '@tokenizer',
  'uint8array-extras', '@borewit', 'load-esm', '@standard-schema',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', { ...swc, swcrc: false }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
