// runFailure.ts — a run that could not complete: a device call failed or an invariant broke.

export class RunFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailure';
  }
}
