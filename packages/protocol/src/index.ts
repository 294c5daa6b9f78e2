export * from './common.ts';
export * from './duration.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './frames.ts';
export * from './http.ts';
export * from './limits.ts';
export * from './parse.ts';
