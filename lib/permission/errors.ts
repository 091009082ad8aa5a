/** Raised when the gate is given input it cannot judge safely; nothing is sent in that case. */
export class PermissionGateInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermissionGateInputError';
  }
}
