export * from './card';
export * from './des';
export * from './keys';
export * from './mac';
export * from './pin-block';
export * from './prng';
