// informer-memory: the memory of a minimal client-go operator caching the
// same pods as Baton, for bench/run to print beside Baton's (issue 22). One
// shared pod informer over the given namespaces, optionally with a
// transform that strips what a rollout controller does not read (managed
// fields, most of the spec, container statuses' details), as
// controller-runtime users are told to do. It prints one line when its cache
// holds every pod and then waits to be stopped; bench/run reads its VmRSS
// from /proc, as it does Baton's.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// strip keeps what Baton's slim pod keeps (controller/pod_view.h).
func strip(obj interface{}) (interface{}, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	slim := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID,
			ResourceVersion: pod.ResourceVersion, Labels: pod.Labels,
			Annotations: pod.Annotations, OwnerReferences: pod.OwnerReferences,
			CreationTimestamp: pod.CreationTimestamp, DeletionTimestamp: pod.DeletionTimestamp,
		},
		Spec: corev1.PodSpec{NodeName: pod.Spec.NodeName},
		Status: corev1.PodStatus{
			Phase: pod.Status.Phase, PodIP: pod.Status.PodIP, Conditions: pod.Status.Conditions,
		},
	}
	return slim, nil
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	namespaces := flag.String("namespaces", "", "comma-separated namespaces (default: all)")
	stripFields := flag.Bool("strip", false, "strip unused fields with a transform")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	config.QPS, config.Burst = 50, 100
	client := kubernetes.NewForConfigOrDie(config)
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	var synced []cache.InformerSynced
	nss := []string{metav1.NamespaceAll}
	if *namespaces != "" {
		nss = strings.Split(*namespaces, ",")
	}
	var stores []cache.Store
	for _, ns := range nss {
		factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns))
		pods := factory.Core().V1().Pods().Informer()
		if *stripFields {
			if err := pods.SetTransform(strip); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		// A controller's handlers: enqueue a key, as a work queue would.
		_, _ = pods.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(interface{}) {}})
		factory.Start(ctx.Done())
		synced = append(synced, pods.HasSynced)
		stores = append(stores, pods.GetStore())
	}
	count := func() int {
		n := 0
		for _, s := range stores {
			n += len(s.ListKeys())
		}
		return n
	}
	start := time.Now()
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		os.Exit(1)
	}
	fmt.Printf("synced %d pods in %.1f s (strip=%v)\n", count(), time.Since(start).Seconds(), *stripFields)
	<-ctx.Done()
}
