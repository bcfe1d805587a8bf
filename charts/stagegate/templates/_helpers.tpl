{{/*
Labels every object carries. The selector labels are those config/webhook/service.yaml selects the operator by.
*/}}
{{- define "stagegate.selectorLabels" -}}
app.kubernetes.io/name: stagegate
app.kubernetes.io/component: operator
{{- end }}

{{- define "stagegate.labels" -}}
app.kubernetes.io/name: stagegate
{{ include "stagegate.helmLabels" . }}
{{- end }}

{{/* What Helm adds to the objects read from files/ (config/ carries the rest). */}}
{{- define "stagegate.helmLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The operator's image reference: the digest wins over the tag, which defaults to the appVersion. */}}
{{- define "stagegate.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* Fixed names (one install per cluster; the docs, the user RoleBindings and the admission guard use them). */}}
{{- define "stagegate.operatorName" -}}stagegate-operator{{- end }}
{{- define "stagegate.webhookService" -}}stagegate-webhook{{- end }}
{{- define "stagegate.webhookTlsSecret" -}}
{{- if eq .Values.webhook.certificate.source "secret" -}}
{{ .Values.webhook.certificate.secret.name }}
{{- else if eq .Values.webhook.certificate.source "operator" -}}
stagegate-webhook-certs
{{- else -}}
stagegate-webhook-tls
{{- end -}}
{{- end }}
{{- define "stagegate.auditSigningSecret" -}}
{{ .Values.operator.auditCheckpoints.existingSecret | default "stagegate-audit-signing" }}
{{- end }}
{{- define "stagegate.rollbackSealSecret" -}}
{{ .Values.operator.rollbackSeal.existingSecret | default "stagegate-rollback-seal" }}
{{- end }}
{{- define "stagegate.clientCAConfigMap" -}}
{{- if .Values.webhook.clientCA.pem -}}
stagegate-webhook-client-ca
{{- else -}}
{{ .Values.webhook.clientCA.configMap }}
{{- end -}}
{{- end }}

{{/* DNS names of the serving certificate: the webhook, receivers and metrics Services, and the audit and calendar
feeds' when they are served. */}}
{{- define "stagegate.servingDnsNames" -}}
{{- $ns := .Release.Namespace -}}
{{- $services := list "stagegate-webhook" "stagegate-receivers" "stagegate-metrics" -}}
{{- if .Values.audit.feed.enabled }}{{ $services = append $services "stagegate-audit-feed" }}{{ end -}}
{{- if .Values.calendarFeed.enabled }}{{ $services = append $services "stagegate-calendar-feed" }}{{ end -}}
{{- range $svc := $services }}
- {{ $svc }}.{{ $ns }}.svc
- {{ $svc }}.{{ $ns }}.svc.cluster.local
{{- end }}
{{- end }}

{{/*
Reads a YAML file of the chart's files/ (copies of crds/ and config/, written by `make generate`) as a list of
objects, one per document.
*/}}
{{- define "stagegate.filesObjects" -}}
{{- $objects := list -}}
{{- range $doc := regexSplit "(?m)^---\\s*$" (.ctx.Files.Get .path) -1 -}}
{{- $obj := fromYaml $doc -}}
{{- if and $obj (hasKey $obj "kind") -}}
{{- $objects = append $objects $obj -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "items" $objects) -}}
{{- end }}
