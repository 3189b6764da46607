package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/salesautomation/api/internal/resilience"
)

// requireAdmin guards the admin routes with Authorization: Bearer <token>.
// An empty token disables them (403 saying how to enable); a missing or
// wrong one is 401. The comparison is constant-time over SHA-256 digests, so
// neither the token's bytes nor its length leak through timing.
func requireAdmin(token string) gin.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(c *gin.Context) {
		if token == "" {
			writeProblem(c, newProblem(http.StatusForbidden, "admin_disabled",
				"admin routes are disabled: set ADMIN_TOKEN to enable them"))
			return
		}
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="admin"`)
			writeProblem(c, newProblem(http.StatusUnauthorized, "unauthorized",
				"Authorization: Bearer <ADMIN_TOKEN> is missing or wrong"))
			return
		}
		c.Next()
	}
}

// handleCircuitReset handles POST /health/circuits/:name/reset.
func handleCircuitReset(reg *resilience.Registry) gin.HandlerFunc {
	return adminCircuitAction(reg, "reset", func(b *resilience.Breaker) string {
		b.Reset()
		return "circuit " + b.Name() + " reset to CLOSED"
	})
}

// handleCircuitOpen handles POST /health/circuits/:name/open.
func handleCircuitOpen(reg *resilience.Registry) gin.HandlerFunc {
	return adminCircuitAction(reg, "open", func(b *resilience.Breaker) string {
		b.ForceOpen()
		return "circuit " + b.Name() + " forced OPEN until reset"
	})
}

// adminCircuitAction finds the circuit, applies act and logs the action with
// the circuit name and outcome (an audit line at warn: it changes traffic).
func adminCircuitAction(reg *resilience.Registry, action string, act func(*resilience.Breaker) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		name := c.Param("name")
		log := logFor(c)
		b, ok := reg.Get(name)
		if !ok {
			log.Warn().Str("action", action).Str("outcome", "unknown circuit").Msg("admin action")
			writeProblem(c, newProblem(http.StatusNotFound, "unknown_circuit",
				"no circuit named "+quoteShort(name)+"; circuits are hubspot-circuit, lemlist-circuit, explorium-circuit"))
			return
		}
		before := b.State()
		msg := act(b)
		after := b.State()
		log.Warn().Str("action", action).Str("circuit_name", b.Name()).Str("from", before.String()).
			Str("to", after.String()).Str("outcome", "done").Msg("admin action")
		c.JSON(http.StatusOK, gin.H{"message": msg, "state": after.String(), "previousState": before.String()})
	}
}

// quoteShort quotes client input for an error message, cut to a sane length.
func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "") + `"`
}
