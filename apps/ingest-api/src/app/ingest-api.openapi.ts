import type { ServiceOptions } from '@media/service-kit';

/** The public API's OpenAPI identity; the paths come from the controllers' decorators. */
export const ingestApiDocs: ServiceOptions = {
  openApi: {
    title: 'Media asset service',
    description: 'Upload, read, change and delete media assets. See SPEC §4 for status codes and problem codes.',
    version: '1',
  },
};
