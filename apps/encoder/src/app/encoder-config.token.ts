export const ENCODER_CONFIG = Symbol('ENCODER_CONFIG');
