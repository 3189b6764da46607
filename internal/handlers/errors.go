package handlers

import (
	"errors"
	"net/http"
	"strconv"
)

// problemFor maps every error the handlers can see to the problem the client
// gets. It is the one table of error → status in the service.
func problemFor(err error) Problem {
	var pe *Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &pe):
		return pe.P
	case errors.As(err, &mbe):
		return newProblem(http.StatusRequestEntityTooLarge, "body_too_large",
			"request body exceeds "+strconv.FormatInt(mbe.Limit, 10)+" bytes").P
	}
	return newProblem(http.StatusInternalServerError, "internal_error", "internal error").P
}
