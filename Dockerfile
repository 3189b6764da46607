# syntax=docker/dockerfile:1
#
# The sales-automation API as a static binary on distroless.
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t sales-auto-api .
#
# No HEALTHCHECK: the final image has no shell, curl or wget to run one (that is the
# point of distroless). Orchestrators probe over HTTP instead: Kubernetes' liveness
# /health/live and readiness /health/ready (deploy/base/deployment.yaml); in
# docker-compose.yml Prometheus's `up` shows whether the API answers.

# ---- build ----
FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/api ./cmd/api

# ---- run ----
# static-debian12 holds CA certificates (HTTPS to HubSpot, Lemlist, Explorium),
# tzdata and /etc/passwd with the nonroot user (65532), and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/api /api
USER 65532:65532
ENV PORT=3000
EXPOSE 3000
ENTRYPOINT ["/api"]
