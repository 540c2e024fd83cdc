export * from './errors.js';
export * from './download.js';
export * from './manager.js';
