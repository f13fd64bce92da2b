// What a Next.js backend relies on from camelAI's iframe API, checked through the SDK generated from the document the
// mock serves. Every SDK call runs the generated zod validators, the request's before it is sent and the answer's
// before it is returned: an answer that breaks the document rejects the call, so each passing call also shows that
// the mock answered what the document promises.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { before, test } from 'node:test';

import * as z from 'zod';

import { createClient, createConfig } from '../generated/client/client/index.js';
import { client } from '../generated/client/client.gen.js';
import {
  iframeCreateCreate,
  mockIframeTokenRetrieve,
  mockJwksRetrieve,
  mockOpenapiRetrieve,
} from '../generated/client/index.js';
import { zIframeErrorResponse } from '../generated/client/zod.gen.js';

const { CAMEL_MOCK_URL: baseUrl, CAMEL_MOCK_API_KEY: apiKey } = process.env;
if (!baseUrl || !apiKey) throw new Error('CAMEL_MOCK_URL and CAMEL_MOCK_API_KEY are unset: run the tests with ./run');
client.setConfig({ baseUrl, auth: apiKey });

/** The create body's ttl schema in the served document: its bounds are what the tests send. */
let ttl: { minimum: number; maximum: number };

before(async () => {
  const { data: doc } = await mockOpenapiRetrieve({ throwOnError: true });
  const createBody = ['paths', '/api/v1/iframe/create', 'post', 'requestBody', 'content', 'application/json', 'schema'];
  ttl = walk(doc, ...createBody, 'properties', 'ttl');
  assert.ok(Number.isInteger(ttl.minimum) && Number.isInteger(ttl.maximum), 'the served document bounds the ttl');
});

test('a create answers an iframe URL ending with the cache key, valid for the ttl asked for', async () => {
  const body = { uid: 'user-1', srcs: ['123'], ttl: ttl.minimum };
  const { data: link } = await iframeCreateCreate({ body, throwOnError: true });
  assert.ok(link.iframe_url.endsWith(`/${link.cache_key}/`), `${link.iframe_url} ends with ${link.cache_key}/`);
  assert.equal(link.expires_in, ttl.minimum);
});

test("the token behind the cache key verifies against the mock's JWKS and names the uid", async () => {
  const body = { uid: 'user-2', srcs: ['123'], ttl: ttl.maximum };
  const { data: link } = await iframeCreateCreate({ body, throwOnError: true });
  const { data: found } = await mockIframeTokenRetrieve({ path: { cache_key: link.cache_key }, throwOnError: true });
  const { data: jwks } = await mockJwksRetrieve({ throwOnError: true });

  const [header, payload, signature] = found.token.split('.');
  const { alg, kid } = decode(header);
  assert.equal(alg, 'ES256');
  const jwk = jwks.keys.find((key) => key.kid === kid);
  assert.ok(jwk, `the JWKS has the token's key ${kid}`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const signed = Buffer.from(`${header}.${payload}`);
  assert.ok(verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')));

  const claims = decode(payload);
  assert.equal(claims.sub, 'user-2');
  assert.equal(claims.exp - claims.iat, ttl.maximum);
});

test('a ttl under the documented minimum is refused by the SDK and, sent anyway, by the mock', async () => {
  const body = { uid: 'user-1', srcs: ['123'], ttl: ttl.minimum - 1 };
  const namesTtl = (e: unknown) => e instanceof z.ZodError && e.issues.some((issue) => issue.path.includes('ttl'));
  await assert.rejects(iframeCreateCreate({ body }), namesTtl);

  const { error, response } = await iframeCreateCreate({ body, requestValidator: undefined });
  assert.equal(response.status, 400);
  assert.match(zIframeErrorResponse.parse(error).error, /\bttl\b/);
});

for (const [what, auth] of [['no API key', undefined], ['a wrong API key', 'sk-not-this-one']]) {
  test(`a create with ${what} is answered 401`, async () => {
    const stranger = createClient(createConfig({ baseUrl, auth }));
    const { error, response } = await iframeCreateCreate({ client: stranger, body: { uid: 'user-1', srcs: ['123'] } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('WWW-Authenticate') ?? '', /^Bearer/);
    zIframeErrorResponse.parse(error);
  });
}

test('the response validator is on: an answer that breaks the document rejects the call', async () => {
  const withoutCacheKey: typeof fetch = async (request) => {
    const answer = await fetch(request);
    const { cache_key: _, ...rest } = await answer.json();
    return Response.json(rest, { status: answer.status });
  };
  const body = { uid: 'user-1', srcs: ['123'] };
  await assert.rejects(iframeCreateCreate({ body, fetch: withoutCacheKey }), z.ZodError);
});

/** The JSON in one base64url part of a JWT. */
function decode(part: string) {
  return JSON.parse(Buffer.from(part, 'base64url').toString());
}

/** The node at `keys` below the document's root, following each `$ref` on the way. */
function walk(doc: unknown, ...keys: string[]): any {
  const follow = (node: any): any => (typeof node?.$ref === 'string' ? follow(pointer(node.$ref)) : node);
  const step = (node: any, key: string) => follow(node[key]);
  const unescape = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');
  const pointer = (ref: string) => ref.slice(2).split('/').map(unescape).reduce(step, doc);
  return keys.reduce(step, doc);
}
