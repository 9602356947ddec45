import { assetLabelSchema } from '@media/asset-model';
import { z } from 'zod';
import { assetMetadataSchema } from '../assets/asset-input';

/**
 * `POST /uploads`: the terms of one browser upload. The metadata travels inside the token, so the long
 * `body` field is left out (a token rides in a header on every request of the upload).
 */
export const directUploadRequestSchema = assetMetadataSchema
  .omit({ body: true })
  .extend({
    label: assetLabelSchema.optional().describe('what the file is meant to be; its first bytes are checked against it'),
    max_size: z.number().int().positive().optional().describe('the largest file the browser may upload, in bytes (default and ceiling: the server’s largest file)'),
    allowed_labels: z.array(assetLabelSchema).max(5).optional().describe('kinds of file the upload may be, decided from its bytes; empty or absent for any'),
  })
  .strict();
export type DirectUploadRequest = z.infer<typeof directUploadRequestSchema>;

export const directUploadSchema = z.object({
  id: z.string().describe('the asset the upload creates'),
  upload_url: z.string().describe('the tus endpoint to create the upload at (once), with `Authorization: Bearer <token>`'),
  token: z.string().describe('good only for this asset’s upload: its tus URL and its `/assets/{id}/multipart` transfers and finish'),
  expires_on: z.string().describe('when the token stops working'),
  max_size: z.number().int().positive(),
  allowed_labels: z.array(assetLabelSchema),
});
export type DirectUpload = z.infer<typeof directUploadSchema>;
