// How a page reports the outcome of a submit so that everyone notices it:
// focus moves to the summary or notice when the page loads (the autofocus
// attribute, so it works without JavaScript), the summary links to each
// invalid field, and each field carries its own message.
import type { ReactNode } from 'react';
import type { FieldError } from '../../subscribers/service';

export type { FieldError };

/** The id of the message shown at a field; the field points at it with aria-describedby. */
export const fieldErrorId = (inputId: string) => `${inputId}-error`;

/**
 * Lists every error, each linking to its field when it has one on the page.
 * `targets` maps an error's field name to the id of the control to focus.
 */
export function ErrorSummary({ errors, targets }: { errors: readonly FieldError[]; targets: Readonly<Record<string, string>> }) {
  return (
    <div className="error-summary" tabIndex={-1} autoFocus aria-labelledby="error-summary-title">
      <div role="alert">
        <h2 id="error-summary-title">{errors.length > 1 ? `There are ${errors.length} problems` : 'There is a problem'}</h2>
        <ul>
          {errors.map((e, i) => {
            const target = targets[e.field];
            return <li key={i}>{target ? <a href={`#${target}`}>{e.message}</a> : e.message}</li>;
          })}
        </ul>
      </div>
    </div>
  );
}

/** The message at an invalid field. */
export function FieldMessage({ inputId, message }: { inputId: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={fieldErrorId(inputId)} className="field-error">
      <span className="visually-hidden">Error: </span>
      {message}
    </p>
  );
}

/** Attributes that mark a control invalid and tie it to its message. */
export function invalidProps(inputId: string, message: string | undefined) {
  return message ? { 'aria-invalid': true as const, 'aria-describedby': fieldErrorId(inputId) } : {};
}

/** A result ("Your choices are saved.") that takes focus, so screen readers say it. */
export function ResultNotice({ children }: { children: ReactNode }) {
  return (
    <div className="notice ok" role="status" tabIndex={-1} autoFocus>
      {children}
    </div>
  );
}

/** The first message for a field, if any. */
export function messageFor(errors: readonly FieldError[], field: string): string | undefined {
  return errors.find((e) => e.field === field)?.message;
}
