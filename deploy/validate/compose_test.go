package validate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml as `docker compose config` does: schema
// validation, interpolation (with an empty environment, as on a fresh machine),
// and the consistency checks of compose-go.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithEnv([]string{}),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return project
}

func TestComposeLoads(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"api", "redis", "prometheus", "grafana"} {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	api, err := p.GetService("api")
	if err != nil {
		t.Fatal(err)
	}
	if api.Build == nil {
		t.Error("api is not built from the Dockerfile")
	}
	if v := api.Environment["SANDBOX"]; v == nil || *v != "true" {
		t.Errorf("api SANDBOX = %v, want true by default so it runs with no keys", v)
	}
	if v := api.Environment["REDIS_URL"]; v == nil || !strings.Contains(*v, "//redis:") {
		t.Errorf("api REDIS_URL = %v, want the redis service by name", v)
	}
	for name := range api.Environment {
		if !isServiceVar(name) {
			t.Errorf("api environment %s is not a variable of API.md section 2", name)
		}
	}
	if dep, ok := api.DependsOn["redis"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("api depends_on redis %+v, want condition service_healthy", dep)
	}
}

func TestComposeHealthchecksAndMounts(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"redis", "prometheus", "grafana"} {
		s, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
		// Every bind mount must exist in the repository.
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s mounts %s: %v", name, v.Source, err)
			}
		}
	}
	redis, _ := p.GetService("redis")
	if !slices.Contains(redis.Command, "--appendonly") {
		t.Errorf("redis command %v: the lead queue needs AOF persistence", redis.Command)
	}
}
