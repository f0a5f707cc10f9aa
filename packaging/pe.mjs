// Removes the Authenticode signature of a Windows executable (what `osslsigncode
// remove-signature` does), so postject can add the service to node.exe without leaving a
// signature that no longer matches the file (it warns that the file is corrupted otherwise).
import fs from 'node:fs';

const SECURITY_DIRECTORY = 4;

/** Clears the certificate table entry and drops the table from the end of the file. */
export function removeSignature(file) {
  const image = fs.readFileSync(file);
  const pe = image.readUInt32LE(0x3c);
  if (image.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error(`${file} is not a PE file`);
  const optional = pe + 24;
  const magic = image.readUInt16LE(optional);
  // Data directories follow the optional header's fixed part: 96 bytes in PE32, 112 in PE32+.
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const entry = directories + SECURITY_DIRECTORY * 8;
  const offset = image.readUInt32LE(entry); // a file offset for this directory, not an RVA
  const size = image.readUInt32LE(entry + 4);
  if (offset === 0 || size === 0) return false;
  if (offset + size !== image.length) throw new Error(`${file}: the certificate table is not at the end of the file`);
  image.writeUInt32LE(0, entry);
  image.writeUInt32LE(0, entry + 4);
  fs.writeFileSync(file, image.subarray(0, offset));
  return true;
}
