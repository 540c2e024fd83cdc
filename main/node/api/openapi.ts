/**
 * The OpenAPI 3.1 document of `/v1`, generated from the typed contract (zod 4's JSON Schema output, draft 2020-12,
 * which is OpenAPI 3.1's schema dialect): every contract method as `POST /v1/rpc/<method>` (request body = its
 * input schema, 200 = its output schema), plus the OpenAI-compatible speech routes, events and media. Nothing here
 * is written by hand that the contract already says.
 */
import { z } from 'zod';
import {
  methods,
  events,
  ModelList,
  OpenAiError,
  SpeechRequest,
  SpeechVoiceList,
  type MethodName,
} from '../../../preload/contract/index.js';

type Json = Record<string, unknown>;

function schema(s: z.ZodType, io: 'input' | 'output'): Json {
  const j = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete j.$schema;
  return j;
}

const DOMAIN_TAGS: Record<string, string> = {
  app: 'App',
  settings: 'App',
  projects: 'Projects',
  script: 'Projects',
  dictionary: 'Projects',
  lines: 'Lines',
  takes: 'Lines',
  jobs: 'Jobs',
  export: 'Exports',
  engines: 'Engines and models',
  voices: 'Engines and models',
  models: 'Engines and models',
  runtime: 'Engines and models',
  library: 'Voice library',
  vault: 'Voice library',
  voiceAudio: 'Voice library',
  recorder: 'Voice library',
  consent: 'Voice library',
};

const errorResponse = {
  description: 'An error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

let cached: { version: string; doc: Json } | null = null;

export function buildOpenApi(version: string): Json {
  if (cached?.version === version) return cached.doc;
  const paths: Record<string, Json> = {};

  paths['/v1/audio/speech'] = {
    post: {
      operationId: 'createSpeech',
      tags: ['Speech (OpenAI-compatible)'],
      summary: 'Speak text; the audio streams (chunked) as it is made',
      requestBody: { required: true, content: { 'application/json': { schema: schema(SpeechRequest, 'input') } } },
      responses: {
        '200': {
          description: 'The audio in the requested format',
          content: Object.fromEntries(
            ['audio/mpeg', 'audio/opus', 'audio/aac', 'audio/flac', 'audio/wav', 'audio/pcm'].map((t) => [
              t,
              { schema: { type: 'string', format: 'binary' } },
            ]),
          ),
        },
        '400': errorResponse,
        '401': errorResponse,
        '404': errorResponse,
        '413': errorResponse,
        '429': errorResponse,
        default: errorResponse,
      },
    },
  };
  paths['/v1/models'] = {
    get: {
      operationId: 'listModels',
      tags: ['Speech (OpenAI-compatible)'],
      summary: 'The installed engines and the OpenAI model names they answer to',
      responses: {
        '200': { description: 'Models', content: { 'application/json': { schema: schema(ModelList, 'output') } } },
        default: errorResponse,
      },
    },
  };
  paths['/v1/audio/voices'] = {
    get: {
      operationId: 'listSpeechVoices',
      tags: ['Speech (OpenAI-compatible)'],
      summary: 'Every voice usable for speech: ids, names, engines, languages',
      responses: {
        '200': {
          description: 'Voices',
          content: { 'application/json': { schema: schema(SpeechVoiceList, 'output') } },
        },
        default: errorResponse,
      },
    },
  };
  paths['/v1/events'] = {
    get: {
      operationId: 'events',
      tags: ['Events'],
      summary: `Server-Sent Events: ${Object.keys(events).join(', ')}`,
      description:
        'Each event is `event: <name>` and `data: <JSON payload>`. Long work (jobs.generate, export.start) returns an ' +
        'id at once; follow it here (or poll jobs.list / export.get), then fetch the result.',
      responses: {
        '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        default: errorResponse,
      },
    },
  };
  paths['/v1/takes/{takeId}/audio'] = {
    get: {
      operationId: 'takeAudio',
      tags: ['Lines'],
      summary: "A take's audio (WAV; Range requests supported)",
      parameters: [{ name: 'takeId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'WAV', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
        '404': errorResponse,
        default: errorResponse,
      },
    },
  };
  paths['/v1/exports/{exportId}/files/{index}'] = {
    get: {
      operationId: 'exportFile',
      tags: ['Exports'],
      summary: 'File `index` of a finished export (`ExportJob.files`)',
      parameters: [
        { name: 'exportId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'index', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
      ],
      responses: {
        '200': {
          description: 'The file',
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        '404': errorResponse,
        default: errorResponse,
      },
    },
  };

  for (const name of Object.keys(methods) as MethodName[]) {
    const m = methods[name];
    const domain = name.split('.')[0];
    paths[`/v1/rpc/${name}`] = {
      post: {
        operationId: name.replace('.', '_'),
        tags: [DOMAIN_TAGS[domain] ?? domain],
        summary: `The contract call ${name}`,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: schema(m.input as z.ZodType, 'input') } },
        },
        responses: {
          '200': {
            description: `The result of ${name}`,
            content: { 'application/json': { schema: schema(m.output as z.ZodType, 'output') } },
          },
          '400': errorResponse,
          '401': errorResponse,
          '404': errorResponse,
          default: errorResponse,
        },
      },
    };
  }

  const doc: Json = {
    openapi: '3.1.0',
    info: {
      title: 'Timbre local API',
      version,
      description:
        'The studio on this computer. Loopback only; every request needs `Authorization: Bearer <token>` (the ' +
        "token `timbre serve` prints). Errors use OpenAI's shape. See docs/api.md.",
    },
    servers: [{ url: 'http://127.0.0.1:{port}', variables: { port: { default: '7777' } } }],
    security: [{ bearer: [] }],
    tags: [...new Set(Object.values(DOMAIN_TAGS)), 'Speech (OpenAI-compatible)', 'Events'].map((n) => ({ name: n })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: schema(OpenAiError, 'output') },
    },
  };
  cached = { version, doc };
  return doc;
}

/** Every method the document covers (for tests). */
export function documentedMethods(doc: Json): string[] {
  return Object.keys(doc.paths as Json)
    .filter((p) => p.startsWith('/v1/rpc/'))
    .map((p) => p.slice('/v1/rpc/'.length));
}
