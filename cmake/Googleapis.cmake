# googleapis protos from Debian packages (no Debian package ships them for C++):
#   google/api/{field_behavior,resource}.proto and google/type/date.proto from the jar of
#   libgoogle-common-protos-java (api-common-protos 1.16.0);
#   google/rpc/{status,code,error_details}.proto from golang-github-gogo-googleapis-dev,
#   whose error_details.proto has ErrorInfo (the jar's does not).
set(_googleapis_jar /usr/share/java/proto-google-common-protos.jar)
set(_googleapis_gogo /usr/share/gocode/src/github.com/gogo/googleapis)
set(GOOGLEAPIS_PROTO_DIR ${CMAKE_BINARY_DIR}/googleapis)

if(NOT EXISTS ${_googleapis_jar} OR NOT EXISTS ${_googleapis_gogo}/google/rpc/status.proto)
  message(FATAL_ERROR "googleapis protos missing: run `make deps` "
                      "(libgoogle-common-protos-java golang-github-gogo-googleapis-dev)")
endif()

file(MAKE_DIRECTORY ${GOOGLEAPIS_PROTO_DIR})
execute_process(
  COMMAND ${CMAKE_COMMAND} -E tar xf ${_googleapis_jar}
          google/api/field_behavior.proto google/api/resource.proto google/type/date.proto
  WORKING_DIRECTORY ${GOOGLEAPIS_PROTO_DIR}
  COMMAND_ERROR_IS_FATAL ANY)
file(COPY ${_googleapis_gogo}/google/rpc DESTINATION ${GOOGLEAPIS_PROTO_DIR}/google
     FILES_MATCHING PATTERN "*.proto")

proto_library(googleapis_protos
  ROOT ${GOOGLEAPIS_PROTO_DIR}
  PROTOS google/api/field_behavior.proto google/api/resource.proto google/type/date.proto
         google/rpc/status.proto google/rpc/code.proto google/rpc/error_details.proto)

# grpc.health.v1 from grpc-proto. Linked into the servers so reflection can describe the
# health service (the built-in one registers no descriptor). Not reflection.proto: the
# grpc++_reflection library already registers that one.
proto_library(grpc_health_proto GRPC
  ROOT /usr/share/grpc-proto
  PROTOS grpc/health/v1/health.proto)

# A reflection *client* for tests only (never linked together with grpc++_reflection).
proto_library(grpc_reflection_client_proto GRPC
  ROOT /usr/share/grpc-proto
  PROTOS grpc/reflection/v1alpha/reflection.proto)
