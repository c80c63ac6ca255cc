/**
 * How the program is being evaluated. lib/offline/offline.ts sets `offline` for `npm run render`, the tests and the bench:
 * nothing reaches ARM there, so the admins are judged as in a preview (warned about, not refused).
 */
export const evaluationMode = { offline: false };
