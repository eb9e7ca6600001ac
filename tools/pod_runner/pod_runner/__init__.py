"""The pod runner: plays kubelet for Baton's example workloads under kwok.

kwok fakes pods but runs nothing. For pods annotated ``harness.baton.dev/pod-runner``
(kwok's stages skip those), this program starts the example binary named by
the pod's image, bound to an IP it allocates from a loopback CIDR, reports the
pod's IP, phase and readiness (from the pod's readinessProbe) the way kubelet
would, sends SIGTERM when the pod is deleted, and removes the pod once the
process has exited. A pod deleted before it drained therefore really cuts its
sessions, which is what makes the end-to-end tests honest.
"""
