// Package validate holds the tests of the deployment files: the Kubernetes
// manifests of deploy/base, decoded strictly against the Kubernetes API types so
// that a misspelt field fails, and docker-compose.yml, loaded with compose-go (the
// loader of `docker compose config`). It is a module of its own so that
// k8s.io/api and compose-go stay out of the service's go.mod.
package validate
