// BullMQ job priorities on the one `send` queue (lower = sooner). A reader
// waiting for their confirmation link comes before any scheduled batch, and
// the drip's weekly step before the newsletter, which nobody waits for.
export const SEND_PRIORITY = { confirmation: 1, drip: 2, newsletter: 3 } as const;

export type SendPriority = (typeof SEND_PRIORITY)[keyof typeof SEND_PRIORITY];
