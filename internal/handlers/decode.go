package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// decode reads the request body as JSON into a T, strictly: unknown fields,
// wrong types, trailing data and malformed JSON are 400s naming what is wrong;
// a body over MAX_BODY_BYTES surfaces as *http.MaxBytesError (413). An empty
// body decodes to the zero T when allowEmpty is set.
func decode[T any](c *gin.Context, allowEmpty bool) (T, error) {
	var v T
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&v)
	if errors.Is(err, io.EOF) {
		if allowEmpty {
			return v, nil
		}
		return v, invalid("body", "a JSON object is required")
	}
	if err == nil && dec.More() {
		return v, invalid("body", "unexpected data after the JSON object")
	}
	if err != nil {
		return v, decodeError(err)
	}
	return v, nil
}

func decodeError(err error) error {
	var (
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &syntax):
		return newProblem(http.StatusBadRequest, "malformed_json", fmt.Sprintf("body: malformed JSON at byte %d", syntax.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return invalid(field, "must be "+jsonKind(typ.Type.Kind().String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newProblem(http.StatusBadRequest, "malformed_json", "body: truncated JSON")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalid(strings.Trim(f, `"`), "unknown field")
	}
	return newProblem(http.StatusBadRequest, "malformed_json", "body: not valid JSON")
}

// jsonKind names a Go kind the way a frontend developer reads JSON.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "uint32", "float64", "float32":
		return "a number"
	case "ptr", "interface":
		return "a value of another type"
	}
	return "of another type"
}
