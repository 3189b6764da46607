package validate

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
)

// TestDeploymentIsProductionReady checks the guide's probes and the hardening the
// issue asks for, on the decoded objects rather than on text.
func TestDeploymentIsProductionReady(t *testing.T) {
	m, _ := loadManifests(t)
	d := m.deployment
	if d == nil {
		t.Fatal("no Deployment")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	c := containerOf(t, d)

	// The guide's probe timings ("Kubernetes Health Check Configuration").
	if got, want := probeString(c.LivenessProbe), "/health/live initialDelay=30 period=10 timeout=5 failures=3"; got != want {
		t.Errorf("liveness %s, want %s", got, want)
	}
	if got, want := probeString(c.ReadinessProbe), "/health/ready initialDelay=10 period=5 timeout=3 failures=2"; got != want {
		t.Errorf("readiness %s, want %s", got, want)
	}

	// Graceful shutdown: the kubelet must wait for the preStop sleep and the drain.
	shutdown, err := time.ParseDuration(m.configMap.Data["SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Fatalf("SHUTDOWN_TIMEOUT: %v", err)
	}
	var preStop time.Duration
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Error("no preStop sleep: requests still routed to a stopping pod would fail")
	} else {
		preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	if pod.TerminationGracePeriodSeconds == nil {
		t.Fatal("terminationGracePeriodSeconds unset (default 30s is not above SHUTDOWN_TIMEOUT)")
	}
	if grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second; grace <= shutdown+preStop {
		t.Errorf("terminationGracePeriodSeconds %s <= SHUTDOWN_TIMEOUT %s + preStop %s", grace, shutdown, preStop)
	}

	// Non-root, read-only, no capabilities, RuntimeDefault seccomp.
	psc, sc := pod.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot:
		t.Error("pod runAsNonRoot not true")
	case psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Error("pod seccompProfile not RuntimeDefault")
	case sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("container readOnlyRootFilesystem not true")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("container allowPrivilegeEscalation not false")
	case sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL":
		t.Error("container does not drop ALL capabilities")
	}

	// Sized for a process that peaks under 40 MiB.
	peak := resource.MustParse("40Mi")
	req, lim := c.Resources.Requests.Memory(), c.Resources.Limits.Memory()
	if req.IsZero() || lim.IsZero() || c.Resources.Requests.Cpu().IsZero() {
		t.Errorf("resources requests %v limits %v: memory and cpu must be set", c.Resources.Requests, c.Resources.Limits)
	}
	if req.Cmp(peak) < 0 || lim.Cmp(*req) < 0 || lim.Cmp(resource.MustParse("512Mi")) > 0 {
		t.Errorf("memory request %s / limit %s: want request >= 40Mi peak, limit >= request and not oversized", req, lim)
	}

	// Settings come from the ConfigMap and the Secret the other files define.
	var cmRef, secretRef string
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef != nil {
			cmRef = from.ConfigMapRef.Name
		}
		if from.SecretRef != nil {
			secretRef = from.SecretRef.Name
		}
	}
	if cmRef != m.configMap.Name || secretRef != m.secret.Name {
		t.Errorf("envFrom %q/%q, want ConfigMap %q and Secret %q", cmRef, secretRef, m.configMap.Name, m.secret.Name)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 3000 {
		t.Errorf("ports %v, want 3000 (PORT)", c.Ports)
	}
}

// TestSelectorsMatch checks that the Service, the PDB and the HPA point at the
// Deployment's pods: a label typo would leave the Service with no endpoints.
func TestSelectorsMatch(t *testing.T) {
	m, _ := loadManifests(t)
	if m.deployment == nil || m.service == nil || m.pdb == nil || m.hpa == nil {
		t.Fatal("a manifest is missing")
	}
	podLabels := labels.Set(m.deployment.Spec.Template.Labels)
	if !labels.SelectorFromSet(m.service.Spec.Selector).Matches(podLabels) || len(m.service.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select pods labelled %v", m.service.Spec.Selector, podLabels)
	}
	if m.pdb.Spec.Selector == nil || !labels.SelectorFromSet(m.pdb.Spec.Selector.MatchLabels).Matches(podLabels) {
		t.Errorf("PDB selector %v does not select pods labelled %v", m.pdb.Spec.Selector, podLabels)
	}
	if m.pdb.Spec.MinAvailable == nil || m.pdb.Spec.MinAvailable.IntValue() >= int(*m.deployment.Spec.Replicas) {
		t.Errorf("PDB minAvailable %v must be below replicas, or no node could ever be drained", m.pdb.Spec.MinAvailable)
	}
	ref := m.hpa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != m.deployment.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("HPA targets %+v, want the Deployment %s", ref, m.deployment.Name)
	}
	if m.hpa.Spec.MinReplicas == nil || *m.hpa.Spec.MinReplicas < *m.deployment.Spec.Replicas {
		t.Errorf("HPA minReplicas %v below the Deployment's %d", m.hpa.Spec.MinReplicas, *m.deployment.Spec.Replicas)
	}
	if m.service.Spec.Ports[0].TargetPort.String() != m.deployment.Spec.Template.Spec.Containers[0].Ports[0].Name {
		t.Errorf("Service targetPort %s is not the container's named port", m.service.Spec.Ports[0].TargetPort.String())
	}
}
