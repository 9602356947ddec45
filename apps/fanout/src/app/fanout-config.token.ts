export const FANOUT_CONFIG = Symbol('FANOUT_CONFIG');
