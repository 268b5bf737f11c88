// Package output writes the rows of an S3 Select query as CSV or JSON
// records, appending to a caller's buffer so that a Records message is
// built without a copy per row.
//
// Values are written as S3 Select writes them: strings as they are,
// numbers with sql.AppendFloat, timestamps in ISO 8601, NULL and MISSING
// as empty CSV fields; JSON output leaves MISSING columns out. Lists and
// objects are JSON text in CSV fields.
//
// For SELECT * rows are the input records: a CSV record's fields as
// they are, or a JSON record's value (in CSV, its top-level members'
// values). In JSON output a CSV record is an object keyed by its header
// names, or _1, _2, ... without them.
package output
