/**
 * Per-subscriber values are left in the rendered email as these markers, so the email is rendered
 * once per issue and delivery fills them in by plain substitution.
 */
export const PLACEHOLDERS = {
  recipient: '%%RECIPIENT%%',
  unsubscribeUrl: '%%UNSUBSCRIBE_URL%%',
  preferencesUrl: '%%PREFERENCES_URL%%',
} as const;
