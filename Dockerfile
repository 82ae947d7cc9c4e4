# SPDX-License-Identifier: GPL-2.0
# leakscope's image: the static binary alone (make static), FROM scratch, so
# building it downloads nothing.  `make image` builds the binary and the
# image; the build context is build/image/, which holds this file and the
# stripped binary (build/static/leakscope.stripped) as `leakscope`.
#
# Run it on a host (see README: Container image):
#   docker run -d --privileged --pid=host --cgroupns=host --network=host \
#     -v /sys/kernel/tracing:/sys/kernel/tracing leakscope:VERSION
# and as a DaemonSet: deploy/kubernetes/daemonset.yaml.
FROM scratch
COPY leakscope /leakscope
# metrics: /metrics and /healthz (leakscope serve)
EXPOSE 9464
ENTRYPOINT ["/leakscope"]
CMD ["serve", "--listen", "0.0.0.0:9464"]
