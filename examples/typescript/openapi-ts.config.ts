import { defineConfig } from '@hey-api/openapi-ts';

// `run` saves the document the mock serves as generated/openapi.json; every operation in it gets an SDK function.
export default defineConfig({
  input: './generated/openapi.json',
  output: 'generated/client',
  plugins: [
    '@hey-api/client-fetch',
    'zod',
    // Requests are checked before they are sent, answers before they are returned.
    { name: '@hey-api/sdk', validator: { request: 'zod', response: 'zod' } },
  ],
});
