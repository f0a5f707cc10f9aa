import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';

export interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  responses: Record<string, { description: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

export interface Document {
  openapi: string;
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The app's /automa/openapi.json, as served. */
export async function fetchDocument(http: FastifyInstance): Promise<Document> {
  const response = await http.inject({ url: '/automa/openapi.json' });
  if (response.statusCode !== 200) throw new Error(`openapi.json: ${response.statusCode} ${response.body}`);
  return JSON.parse(response.body) as Document;
}

/** Every operation as [path, method, operation]. */
export function operations(doc: Document): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => (METHODS as readonly string[]).includes(method))
      .map(([method, op]): [string, string, Operation] => [path, method, op]),
  );
}

/** The document with every $ref replaced by what it names (the validator's own dereferencing). */
export async function dereferenced(doc: Document): Promise<Document> {
  return (await SwaggerParser.dereference(structuredClone(doc) as never)) as unknown as Document;
}
