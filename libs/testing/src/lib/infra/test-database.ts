import { randomBytes } from 'node:crypto';
import ConnectionString from 'mongodb-connection-string-url';

/**
 * A URI for a database of its own, so test files sharing one server never see each other's documents.
 * The name stays under MongoDB's 63-byte database-name limit.
 */
export function testDatabaseUri(baseUri: string, label: string): string {
  const uri = new ConnectionString(baseUri);
  const safeLabel = label.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 40);
  uri.pathname = `/t_${safeLabel}_${randomBytes(4).toString('hex')}`;
  return uri.toString();
}
