import { Type } from '@sinclair/typebox';

/** A stored document: the client's fields plus the three the server owns. */
export const DocumentSchema = Type.Object(
  { id: Type.String({ format: 'uuid' }), create_time: Type.String({ format: 'date-time' }), update_time: Type.String({ format: 'date-time' }) },
  { additionalProperties: true, description: 'The document, with its ETag in the ETag header' },
);

/** A request body: any JSON object (the server's own fields are ignored), at most 100 levels deep. */
export const DocumentBody = Type.Record(Type.String(), Type.Unknown(), { description: 'Any JSON object, at most 100 levels deep.' });

export const DocumentPage = Type.Object({
  items: Type.Array(DocumentSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as ?cursor= for the next page; null on the last.' }),
});

export const CollectionList = Type.Object({ collections: Type.Array(Type.Object({ name: Type.String(), count: Type.Integer() })) });
