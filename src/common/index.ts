/** Shared leaf utilities every layer may use (errors, hashing, suggestions, strict parsing). */
export * from './errors.ts';
export * from './suggest.ts';
export * from './hash.ts';
export * from './parse.ts';
export * from './csv.ts';
