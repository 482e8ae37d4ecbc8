# proto_library(<target> ROOT <import-root> PROTOS <paths relative to ROOT>
#               [GRPC [GRPC_TARGET <grpc-target>]] [DEPS <targets>...] [IMPORT_DIRS <dirs>...])
#
# Generates <build>/gen/<rel>.pb.{h,cc} (and .grpc.pb.{h,cc} with GRPC) with protoc and
# builds them into a static library. With GRPC_TARGET the .grpc.pb.cc stubs go into a library
# of their own, <grpc-target>, and only it links gRPC: code that needs the messages alone
# (domain rules) links <target> without gRPC. C++ include paths mirror the proto import paths, so
# "dangbo/records/v1/member.proto" is included as "dangbo/records/v1/member.pb.h".
#
# CMake's protobuf_generate() is not used: in CMake 3.25 it derives output paths from
# CMAKE_CURRENT_SOURCE_DIR and misplaces nested protos.
set(PROTO_GEN_DIR ${CMAKE_BINARY_DIR}/gen)
file(MAKE_DIRECTORY ${PROTO_GEN_DIR})

function(proto_library target)
  cmake_parse_arguments(P "GRPC" "ROOT;GRPC_TARGET" "PROTOS;DEPS;IMPORT_DIRS" ${ARGN})
  set(_inc -I ${P_ROOT})
  foreach(_dir ${P_IMPORT_DIRS})
    list(APPEND _inc -I ${_dir})
  endforeach()
  list(APPEND _inc -I ${Protobuf_INCLUDE_DIRS})
  set(_srcs)
  set(_grpc_srcs)
  foreach(_rel ${P_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" _stem ${_rel})
    set(_out ${PROTO_GEN_DIR}/${_stem}.pb.cc ${PROTO_GEN_DIR}/${_stem}.pb.h)
    set(_args --cpp_out=${PROTO_GEN_DIR})
    if(P_GRPC)
      list(APPEND _out ${PROTO_GEN_DIR}/${_stem}.grpc.pb.cc ${PROTO_GEN_DIR}/${_stem}.grpc.pb.h)
      list(APPEND _args --grpc_out=${PROTO_GEN_DIR}
           --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${_out}
      COMMAND protobuf::protoc ARGS ${_args} ${_inc} ${P_ROOT}/${_rel}
      DEPENDS ${P_ROOT}/${_rel} protobuf::protoc
      COMMENT "protoc ${_rel}"
      VERBATIM)
    list(APPEND _srcs ${PROTO_GEN_DIR}/${_stem}.pb.cc ${PROTO_GEN_DIR}/${_stem}.pb.h)
    if(P_GRPC)
      list(APPEND _grpc_srcs
           ${PROTO_GEN_DIR}/${_stem}.grpc.pb.cc ${PROTO_GEN_DIR}/${_stem}.grpc.pb.h)
    endif()
  endforeach()
  if(P_GRPC_TARGET)
    add_library(${P_GRPC_TARGET} STATIC ${_grpc_srcs})
    target_link_libraries(${P_GRPC_TARGET} PUBLIC ${target} gRPC::grpc++)
  else()
    list(APPEND _srcs ${_grpc_srcs})
  endif()
  add_library(${target} STATIC ${_srcs})
  target_include_directories(${target} SYSTEM PUBLIC ${PROTO_GEN_DIR})
  target_link_libraries(${target} PUBLIC ${P_DEPS} protobuf::libprotobuf)
  if(P_GRPC AND NOT P_GRPC_TARGET)
    target_link_libraries(${target} PUBLIC gRPC::grpc++)
  endif()
endfunction()
