package s3err

import "net/http"

// Errors of the SQL expression of a SelectObjectContent request, found
// while parsing it or while evaluating it over the object's records, with
// AWS's codes and messages. All are 400 Bad Request.
var (
	ErrLexerInvalidChar                       = def("LexerInvalidChar", http.StatusBadRequest, "The SQL expression contains an invalid character.")
	ErrLexerInvalidLiteral                    = def("LexerInvalidLiteral", http.StatusBadRequest, "The SQL expression contains an invalid literal.")
	ErrParseUnexpectedToken                   = def("ParseUnexpectedToken", http.StatusBadRequest, "The SQL expression contains an unexpected token.")
	ErrParseUnsupportedSyntax                 = def("ParseUnsupportedSyntax", http.StatusBadRequest, "The SQL expression contains unsupported syntax.")
	ErrParseExpectedExpression                = def("ParseExpectedExpression", http.StatusBadRequest, "Did not find the expected SQL expression.")
	ErrParseExpectedKeyword                   = def("ParseExpectedKeyword", http.StatusBadRequest, "Did not find the expected keyword in the SQL expression.")
	ErrParseExpectedTokenType                 = def("ParseExpectedTokenType", http.StatusBadRequest, "Did not find the expected token in the SQL expression.")
	ErrParseExpectedNumber                    = def("ParseExpectedNumber", http.StatusBadRequest, "Did not find the expected number in the SQL expression.")
	ErrParseExpectedRightParenBuiltinFunction = def("ParseExpectedRightParenBuiltinFunctionCall", http.StatusBadRequest, "Did not find the expected right parenthesis character in the SQL expression.")
	ErrParseExpectedTypeName                  = def("ParseExpectedTypeName", http.StatusBadRequest, "Did not find the expected type name in the SQL expression.")
	ErrParseExpectedWhenClause                = def("ParseExpectedWhenClause", http.StatusBadRequest, "Did not find the expected WHEN clause in the SQL expression. CASE is not supported.")
	ErrParseExpectedIdentForAlias             = def("ParseExpectedIdentForAlias", http.StatusBadRequest, "Did not find the expected identifier for the alias in the SQL expression.")
	ErrParseInvalidPathComponent              = def("ParseInvalidPathComponent", http.StatusBadRequest, "The SQL expression contains an invalid path component.")
	ErrParseSelectMissingFrom                 = def("ParseSelectMissingFrom", http.StatusBadRequest, "The SQL expression contains a missing FROM after SELECT list.")
	ErrParseEmptySelect                       = def("ParseEmptySelect", http.StatusBadRequest, "The SQL expression contains an empty SELECT.")
	ErrParseUnsupportedCallWithStar           = def("ParseUnsupportedCallWithStar", http.StatusBadRequest, "Only COUNT with (*) as a parameter is supported in the SQL expression.")
	ErrParseAsteriskIsNotAloneInSelectList    = def("ParseAsteriskIsNotAloneInSelectList", http.StatusBadRequest, "Other expressions are not allowed in the SELECT list when '*' is used without dot notation in the SQL expression.")
	ErrParseCastArity                         = def("ParseCastArity", http.StatusBadRequest, "The SQL expression CAST has incorrect arity.")
	ErrInvalidDataType                        = def("InvalidDataType", http.StatusBadRequest, "The SQL expression contains an invalid data type.")
	ErrUnsupportedFunction                    = def("UnsupportedFunction", http.StatusBadRequest, "Encountered an unsupported SQL function.")
	ErrUnsupportedSQLOperation                = def("UnsupportedSqlOperation", http.StatusBadRequest, "Encountered an unsupported SQL operation.")
	ErrUnsupportedSQLStructure                = def("UnsupportedSqlStructure", http.StatusBadRequest, "Encountered an unsupported SQL structure. Check the SQL Reference.")
	ErrEvaluatorInvalidArguments              = def("EvaluatorInvalidArguments", http.StatusBadRequest, "Incorrect number of arguments in the function call in the SQL expression.")
	ErrIncorrectSQLFunctionArgumentType       = def("IncorrectSqlFunctionArgumentType", http.StatusBadRequest, "Incorrect type of arguments in function call in the SQL expression.")
	ErrIllegalSQLFunctionArgument             = def("IllegalSqlFunctionArgument", http.StatusBadRequest, "Illegal argument was used in the SQL function.")
	ErrEvaluatorInvalidTimestampFormatPattern = def("EvaluatorInvalidTimestampFormatPattern", http.StatusBadRequest, "Invalid time stamp format string in the SQL expression.")
	ErrValueParseFailure                      = def("ValueParseFailure", http.StatusBadRequest, "Time stamp parse failure in the SQL expression.")
	ErrCastFailed                             = def("CastFailed", http.StatusBadRequest, "Attempt to convert from one data type to another using CAST failed in the SQL expression.")
	ErrIntegerOverflow                        = def("IntegerOverflow", http.StatusBadRequest, "Int overflow or underflow in the SQL expression.")
	ErrLikeInvalidInputs                      = def("LikeInvalidInputs", http.StatusBadRequest, "Invalid argument given to the LIKE clause in the SQL expression.")
	// ErrEvaluatorDivideByZero has no entry in AWS's list of Select
	// codes; the name follows the Evaluator* codes of the same family.
	ErrEvaluatorDivideByZero = def("EvaluatorDivideByZero", http.StatusBadRequest, "Division by zero in the SQL expression.")
)
