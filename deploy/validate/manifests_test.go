package validate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const baseDir = "../base"

// kustomization is the part of a Kustomization this base uses; decoded strictly,
// so a field this test does not know about has to be added here on purpose.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Labels     []struct {
		Pairs map[string]string `json:"pairs"`
	} `json:"labels"`
	Images []struct {
		Name    string `json:"name"`
		NewTag  string `json:"newTag"`
		NewName string `json:"newName"`
	} `json:"images"`
}

// manifests holds every decoded object of deploy/base, by kind.
type manifests struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	hpa        *autoscalingv2.HorizontalPodAutoscaler
	pdb        *policyv1.PodDisruptionBudget
	configMap  *corev1.ConfigMap
	secret     *corev1.Secret
}

// newObject returns an empty typed object for apiVersion/kind, or nil.
func (m *manifests) newObject(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		m.deployment = &appsv1.Deployment{}
		return m.deployment
	case "v1 Service":
		m.service = &corev1.Service{}
		return m.service
	case "autoscaling/v2 HorizontalPodAutoscaler":
		m.hpa = &autoscalingv2.HorizontalPodAutoscaler{}
		return m.hpa
	case "policy/v1 PodDisruptionBudget":
		m.pdb = &policyv1.PodDisruptionBudget{}
		return m.pdb
	case "v1 ConfigMap":
		m.configMap = &corev1.ConfigMap{}
		return m.configMap
	case "v1 Secret":
		m.secret = &corev1.Secret{}
		return m.secret
	}
	return nil
}

// loadManifests decodes every YAML file of deploy/base except the kustomization,
// strictly: an unknown or duplicated field is an error, as kubectl's server-side
// field validation would report it.
func loadManifests(t *testing.T) (*manifests, []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(baseDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := &manifests{}
	var names []string
	for _, file := range files {
		name := filepath.Base(file)
		if name == "kustomization.yaml" {
			continue
		}
		names = append(names, name)
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("\n---")) {
			t.Errorf("%s: one object per file, so the kustomization lists each", name)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		obj := m.newObject(meta.APIVersion, meta.Kind)
		if obj == nil {
			t.Errorf("%s: unexpected %s %s (add it to newObject to validate it)", name, meta.APIVersion, meta.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict(raw, obj); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	return m, names
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(baseDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(raw, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml: %s %s", k.APIVersion, k.Kind)
	}
	_, names := loadManifests(t)
	for _, name := range names {
		listed := slices.Contains(k.Resources, name)
		switch {
		case strings.HasSuffix(name, ".template.yaml") && listed:
			t.Errorf("%s is listed: applying it would overwrite the real Secret with placeholders", name)
		case !strings.HasSuffix(name, ".template.yaml") && !listed:
			t.Errorf("%s is not listed in kustomization.yaml resources", name)
		}
	}
	for _, r := range k.Resources {
		if !slices.Contains(names, r) {
			t.Errorf("kustomization.yaml lists %s, which does not exist", r)
		}
	}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m, _ := loadManifests(t)
	for kind, missing := range map[string]bool{
		"Deployment": m.deployment == nil, "Service": m.service == nil,
		"HorizontalPodAutoscaler": m.hpa == nil, "PodDisruptionBudget": m.pdb == nil,
		"ConfigMap": m.configMap == nil, "Secret": m.secret == nil,
	} {
		if missing {
			t.Errorf("no %s in deploy/base", kind)
		}
	}
}

// TestStrictDecodingCatchesTypos proves the check above can fail: a misspelt field
// is rejected, not silently dropped as a plain yaml.Unmarshal would.
func TestStrictDecodingCatchesTypos(t *testing.T) {
	doc := []byte("apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 3\n")
	if err := yaml.UnmarshalStrict(doc, &appsv1.Deployment{}); err == nil {
		t.Fatal(`"replica" (for replicas) was accepted`)
	}
}

func TestConfigMapKeysAreServiceVariables(t *testing.T) {
	m, _ := loadManifests(t)
	if m.configMap == nil {
		t.Fatal("no ConfigMap")
	}
	for key := range m.configMap.Data {
		if !isServiceVar(key) {
			t.Errorf("ConfigMap key %s is not a variable of API.md section 2", key)
		}
		if slices.Contains(secretVars, key) {
			t.Errorf("ConfigMap holds the secret %s: it belongs in the Secret", key)
		}
	}
	if m.secret == nil {
		t.Fatal("no Secret template")
	}
	var keys []string
	for key := range m.secret.StringData {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	want := slices.Clone(secretVars)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("Secret template keys %v, want %v", keys, want)
	}
	for key, value := range m.secret.StringData {
		if value != "REPLACE_ME" {
			t.Errorf("Secret template %s holds %q: only placeholders may be committed", key, value)
		}
	}
}

// containerOf returns the Deployment's single container.
func containerOf(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	if got := len(d.Spec.Template.Spec.Containers); got != 1 {
		t.Fatalf("%d containers, want 1", got)
	}
	return d.Spec.Template.Spec.Containers[0]
}

func probeString(p *corev1.Probe) string {
	if p == nil || p.HTTPGet == nil {
		return "no HTTP probe"
	}
	return fmt.Sprintf("%s initialDelay=%d period=%d timeout=%d failures=%d", p.HTTPGet.Path,
		p.InitialDelaySeconds, p.PeriodSeconds, p.TimeoutSeconds, p.FailureThreshold)
}
