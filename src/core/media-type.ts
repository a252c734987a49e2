/** What a Content-Type says. */

/** The media type of a Content-Type value, lower-cased, without parameters ('' when absent). */
export const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

export const isEventStream = (contentType: string | undefined): boolean => mediaType(contentType) === 'text/event-stream';

export const isJsonContentType = (contentType: string | undefined): boolean =>
  /^application\/([\w.+-]*\+)?json$/.test(mediaType(contentType));
