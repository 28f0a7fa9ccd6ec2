/** Collectors layer entry. Only the fact catalog exists so far; the collectors themselves are later work. */
export * from './catalog.ts';
