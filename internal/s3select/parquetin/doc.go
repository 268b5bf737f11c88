// Package parquetin reads the rows of a Parquet object for S3 Select.
//
// Open reads the footer through an io.ReaderAt over the object, never the
// whole object, and Read then yields one sql.Record per row, reading the
// column chunks page by page:
//
//	rd, err := parquetin.Open(object, size, parquetin.Options{Columns: []string{"name", "age"}})
//	for {
//		rec, err := rd.Read() // io.EOF after the last row
//		...
//	}
//
// # Columns read
//
// Options.Columns names the top-level columns a query uses; only their
// column chunks are read from the object, and the other columns are
// MISSING in the records. Options.AllColumns reads them all, as SELECT *,
// positional columns (_1 is the first top-level column of the schema) and
// FROM paths into the record need. Row groups without rows, and every
// chunk when no column is needed (SELECT COUNT(*)), are not read at all.
//
// Options.Bounds are comparisons of a top-level column with a constant
// (=, <, <=, >, >=) that every selected row meets, as the conjuncts of a
// WHERE clause are. A row group whose column statistics show that no row
// meets one of them is skipped unread. Only numbers against numbers,
// strings against strings and timestamps against timestamps are used:
// S3 Select compares other kinds leniently, so they prove nothing. A
// bound whose name matches two columns ignoring case is not used.
// QueryOptions gives the columns and bounds of a parsed query.
//
// Options.Span is a scan range: only the row groups whose first byte (the
// start of their first column chunk) is in it are read, as S3 Select
// reads a Parquet object's ScanRange. Ranges that tile an object read
// each row group once.
//
// # Values
//
// A record's Column is the value of a top-level column, and its Document
// the whole row as an *sql.Object of the columns read, in schema order.
// Nulls are nil. BOOLEAN is bool; INT32 and INT64 are int64 (UINT_64
// above the int64 range is float64); FLOAT and DOUBLE are float64;
// DECIMAL is float64; DATE, TIMESTAMP (millisecond, microsecond or
// nanosecond, read as UTC) and INT96 are time.Time in UTC; TIME is its
// text "15:04:05.999999"; UUID is its canonical text. BYTE_ARRAY and
// FIXED_LEN_BYTE_ARRAY are strings of their bytes, annotated UTF8
// (STRING), ENUM, JSON or not, as Hive and Spark read binary columns.
// Groups are *sql.Object of their fields; LIST and repeated fields are
// []any; MAP is an *sql.Object whose member names are the keys as text.
//
// # Errors and statistics
//
// A file that is not Parquet, or is damaged, is ParquetParsingError; a
// column chunk compressed with a codec kura cannot decompress (LZO, the
// old Hadoop LZ4) is ParquetUnsupportedCompressionCodec. Errors of the
// io.ReaderAt are returned as they are. BytesScanned counts the bytes read
// from the object; BytesProcessed the uncompressed size of the column
// chunks read.
package parquetin
