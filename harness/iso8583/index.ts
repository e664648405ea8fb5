// The ISO 8583 codec: dialects as data, MessageCodec packing and unpacking bodies.
export * from './types';
export { MessageCodec, type DetailedMessage, type FieldSpan } from './codec';
export { getDialect, loadDialectFile, DialectError, validateDialect, BUILT_IN_DIALECTS } from './dialect';
export { fieldRows, formatOf, showValue, type FieldRow } from './describe';
