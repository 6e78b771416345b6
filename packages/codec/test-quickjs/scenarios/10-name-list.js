// requires: parseNameList isFileSystemRefusal
// NLST text and the file-system reply group, inside the bare engine.
import { equal, test } from 'harness';
import { createReply, isFileSystemRefusal, parseNameList } from '@ftpkit/codec';

test('names with the folder echoed, bare names, `.`, `..` and empty lines', () => {
  equal(parseNameList('/d/a.txt\r\n/d/.\r\n/d/..\r\nsub\r\n\r\n'), ['a.txt', 'sub']);
});

test('450 and 550 are about the file system, 425 is not', () => {
  equal(isFileSystemRefusal(createReply(550, ['No such file'])), true);
  equal(isFileSystemRefusal(createReply(450, ['No files found'])), true);
  equal(isFileSystemRefusal(createReply(425, ['No data connection'])), false);
});
