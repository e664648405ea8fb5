export { decodeFrame, encodeFrame, FrameReader, preambleLength, replyTpdu, TPDU_BYTES, type Frame, type FramingSpec } from './framing';
export { FrameChannel, type FrameChannelOptions } from './channel';
