package io.videolb.config.csv;

import com.opencsv.RFC4180Parser;
import io.videolb.model.FieldText;
import io.videolb.model.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads one CSV file into rows: size cap, strict UTF-8 (optional BOM), LF or CRLF line ends,
 * RFC 4180 quoting (opencsv's {@link RFC4180Parser}), the exact expected header, a row cap and
 * the same number of fields on every row. Fields are returned raw: the callers pass each one
 * through {@link FieldText} and a typed parser.
 *
 * <p>Line ends are split here, on LF only, with one trailing CR removed: a lone CR inside a line
 * therefore stays in its field (and is rejected there) instead of silently splitting the row, as
 * {@code BufferedReader.readLine} would. Blank lines are skipped.
 */
final class CsvFile {
    /** One data row: its first physical line (1-based) and its raw fields. */
    record Row(int line, String[] fields) {
        String field(int i) {
            return fields[i];
        }
    }

    private CsvFile() {}

    /** Reads {@code dir/name}; returns the data rows, or empty after adding problems when the file as a whole is unusable. */
    static Optional<List<Row>> read(
            Path dir, String name, List<String> header, CsvLimits limits, List<Problem> problems) {
        Path file = dir.resolve(name);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
            problems.add(new Problem(name, 0, "file", "is missing from " + FieldText.escape(dir.toString(), 200)));
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            problems.add(new Problem(name, 0, "file", "is not a regular file"));
            return Optional.empty();
        }
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > limits.maxFileBytes()) {
                problems.add(new Problem(
                        name,
                        0,
                        "file",
                        "is " + size + " bytes, above the limit of " + limits.maxFileBytes() + " bytes"));
                return Optional.empty();
            }
            bytes = Files.readAllBytes(file);
            if (bytes.length > limits.maxFileBytes()) { // grew while we looked
                problems.add(new Problem(name, 0, "file", "is above the limit of " + limits.maxFileBytes() + " bytes"));
                return Optional.empty();
            }
        } catch (IOException e) {
            problems.add(new Problem(
                    name, 0, "file", "cannot be read: " + FieldText.escape(String.valueOf(e.getMessage()), 200)));
            return Optional.empty();
        }
        return parse(name, bytes, header, limits, problems);
    }

    static Optional<List<Row>> parse(
            String name, byte[] bytes, List<String> header, CsvLimits limits, List<Problem> problems) {
        String text = decodeUtf8(name, bytes, problems);
        if (text == null) return Optional.empty();
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);

        RFC4180Parser parser = new RFC4180Parser();
        List<Row> rows = new ArrayList<>();
        List<String> pendingFields = new ArrayList<>();
        boolean headerSeen = false;
        int lineNo = 0;
        int recordStart = 0;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            String line = text.substring(pos, end);
            pos = nl < 0 ? n : nl + 1;
            lineNo++;
            if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') line = line.substring(0, line.length() - 1);
            if (!parser.isPending()) {
                if (line.isEmpty()) continue;
                recordStart = lineNo;
            }
            String[] part;
            try {
                part = parser.parseLineMulti(line);
            } catch (IOException | RuntimeException e) {
                problems.add(new Problem(
                        name,
                        recordStart,
                        "row",
                        "is not valid CSV: " + FieldText.escape(String.valueOf(e.getMessage()), 200)));
                return Optional.empty();
            }
            // a record spanning lines comes back in pieces: the fields completed on each line
            pendingFields.addAll(Arrays.asList(part));
            if (parser.isPending()) continue;
            String[] fields = pendingFields.toArray(new String[0]);
            pendingFields.clear();
            if (!headerSeen) {
                headerSeen = true;
                if (!List.of(fields).equals(header)) {
                    problems.add(new Problem(
                            name,
                            recordStart,
                            "header",
                            "expected '" + String.join(",", header) + "', got '"
                                    + FieldText.escape(String.join(",", fields), 120) + "'"));
                    return Optional.empty();
                }
                continue;
            }
            if (rows.size() >= limits.maxRows()) {
                problems.add(new Problem(
                        name, recordStart, "file", "has more than " + limits.maxRows() + " rows (the row limit)"));
                return Optional.empty();
            }
            rows.add(new Row(recordStart, fields));
        }
        if (parser.isPending()) {
            problems.add(new Problem(name, recordStart, "row", "has a quoted field that is never closed"));
            return Optional.empty();
        }
        if (!headerSeen) {
            problems.add(new Problem(
                    name, 0, "header", "file is empty (expected the header '" + String.join(",", header) + "')"));
            return Optional.empty();
        }
        return Optional.of(rows);
    }

    /** Strict UTF-8: a malformed byte sequence is an error naming its line, never a replacement character. */
    private static String decodeUtf8(String name, byte[] bytes, List<Problem> problems) {
        CharsetDecoder dec = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) r = dec.flush(out);
        if (r.isError()) {
            int bad = in.position();
            int line = 1;
            for (int i = 0; i < bad && i < bytes.length; i++) if (bytes[i] == '\n') line++;
            problems.add(new Problem(name, line, "file", "is not valid UTF-8 (bad byte at offset " + bad + ")"));
            return null;
        }
        out.flip();
        return out.toString();
    }
}
